// Types of scripts/test.js for the tests that import it (the scripts are plain JavaScript).
export declare const TEST_FILES: string[];
export declare function testEnvironment(
  env: NodeJS.ProcessEnv,
  probe?: (url: string) => Promise<boolean>,
): Promise<{ env: NodeJS.ProcessEnv; note: string | undefined }>;
export declare function postgresAnswers(url: string): Promise<boolean>;
