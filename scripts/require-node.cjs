// Preloaded by the npm scripts that run TypeScript (package.json: node --require ./scripts/require-node.cjs
// --import tsx scripts/<name>.ts), and run first by `npm test`: on a Node.js older than 22, one line and
// exit 2, before tsx or any dependency loads (Node 20 ran `npm run lab` into a TypeError deep in undici).
"use strict";
var path = require("path");
// scripts/lab.ts is `npm run lab`; another file (the differential tier's) is named by its path.
var file = path.relative(path.resolve(__dirname, ".."), process.argv[1] || "");
var command = /^scripts\/[^/]+\.ts$/.test(file) ? "npm run " + path.basename(file, ".ts")
    : process.env.npm_lifecycle_event ? "npm run " + process.env.npm_lifecycle_event : "node " + file;
require("./node-version.cjs").exitOnOldNode(command);
