import { Empty, ErrorNotice, Loading } from '../components/States.tsx';
import { formatTime } from '../format.ts';
import { Link } from '../router.tsx';
import { projectPath, useWorkspace } from '../session.tsx';

export function Projects() {
  const { org, projects, projectsError, openCreate } = useWorkspace();
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">Projects</h1>
        <button type="button" onClick={() => openCreate('project')}>
          Create project
        </button>
      </div>
      <p className="muted">The projects of {org.name} that you may see.</p>
      {projectsError ? (
        <ErrorNotice error={projectsError} />
      ) : projects === undefined ? (
        <Loading what="projects" />
      ) : projects.length === 0 ? (
        <Empty>You see no project in this organization yet.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Regions</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((project) => (
              <tr key={project.id}>
                <td>
                  <Link to={projectPath(org.id, project.id, 'api-keys')}>{project.name}</Link>
                  {project.is_default ? <span className="badge">default</span> : null}
                </td>
                <td>{project.regions.join(', ')}</td>
                <td>
                  <span className={`badge ${project.status}`}>{project.status}</span>
                </td>
                <td>{formatTime(project.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
