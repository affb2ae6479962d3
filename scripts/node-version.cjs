// The Node.js this project needs, and the one-line error for an older one. Plain CommonJS in old
// syntax, so that any Node.js can load it before TypeScript (tsx) or a dependency that needs Node 22
// (@pulumi/pulumi 3.249+, undici) is loaded: preloaded by the npm scripts (require-node.cjs) and
// imported first by the Pulumi program (required-node.ts).
"use strict";

var REQUIRED_MAJOR = 22;

/**
 * @param {string} command what the user ran, e.g. "npm run lab"
 * @param {string} [version] a Node.js version, default this process's ("22.23.3")
 * @param {string} [executable] the node binary, default this process's
 * @returns {string | undefined} one line naming the command, the Node.js found and how to get Node 22; undefined when new enough
 */
function nodeVersionError(command, version, executable) {
    var found = version || process.versions.node;
    if (Number(found.split(".")[0]) >= REQUIRED_MAJOR) return undefined;
    return command + " needs Node.js " + REQUIRED_MAJOR + " or newer, and this is Node.js " + found + " (" + (executable || process.execPath) + "): "
        + "in this shell run `. scripts/env.sh` from the repository's root (it puts Node " + REQUIRED_MAJOR + " first on PATH; or `nvm use`, .nvmrc), then run it again";
}

/**
 * On a Node.js older than 22: the one line on stderr and exit 2, no stack trace (a vitest config that
 * threw printed the bundler's frames under it). Nothing on 22 and newer.
 * @param {string} command what the user ran, e.g. "npm test"
 */
function exitOnOldNode(command) {
    var problem = nodeVersionError(command);
    if (!problem) return;
    process.stderr.write(problem + "\n");
    process.exit(2);
}

module.exports = { REQUIRED_MAJOR: REQUIRED_MAJOR, nodeVersionError: nodeVersionError, exitOnOldNode: exitOnOldNode };
