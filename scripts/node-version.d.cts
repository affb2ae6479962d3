// Types of node-version.cjs (plain CommonJS, loadable by any Node.js).
export declare const REQUIRED_MAJOR: number;
export declare function nodeVersionError(command: string, version?: string, executable?: string): string | undefined;
/** On a Node.js older than REQUIRED_MAJOR: nodeVersionError's line on stderr and exit 2; returns otherwise. */
export declare function exitOnOldNode(command: string): void;
