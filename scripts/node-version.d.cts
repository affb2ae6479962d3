// Types of node-version.cjs (plain CommonJS, loadable by any Node.js).
export declare const REQUIRED_MAJOR: number;
export declare function nodeVersionError(command: string, version?: string, executable?: string): string | undefined;
