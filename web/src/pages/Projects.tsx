import { DataTable } from '../components/DataTable.tsx';
import { Page } from '../components/Page.tsx';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { projectPath, useWorkspace } from '../session.tsx';

export function Projects() {
  const { org, projects, projectsError, openCreate } = useWorkspace();
  return (
    <Page
      title="Projects"
      actions={
        <button type="button" onClick={() => openCreate('project')}>
          Create project
        </button>
      }
      intro={`The projects of ${org.name} that you may see.`}
    >
      <DataTable
        label="Projects"
        list={{ data: projects, error: projectsError, loading: !projects }}
        what="projects"
        empty="You see no project in this organization yet."
        columns={[
          {
            header: 'Name',
            cell: (project) => (
              <>
                <Link to={projectPath(org.id, project.id, 'api-keys')}>{project.name}</Link>
                {project.is_default ? <span className="badge">default</span> : null}
              </>
            ),
          },
          { header: 'Regions', cell: (project) => project.regions.join(', ') },
          { header: 'Status', cell: (project) => <span className={`badge ${project.status}`}>{project.status}</span> },
          { header: 'Created', cell: (project) => formatTime(project.created_at) },
        ]}
      />
    </Page>
  );
}
