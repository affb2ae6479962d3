// The pack imports the connectivity analyzer from ../analysis. Node resolves that code's own
// imports (e.g. `yaml`) from the project root's node_modules, which may not be installed when
// only the pack is (`npm ci --prefix policy-pack`). Adding the pack's node_modules to the global
// search path makes the pack self-sufficient; the root's copy still wins when it exists.
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module") as { _initPaths(): void };

const packModules = path.join(__dirname, "node_modules");
const current = (process.env.NODE_PATH ?? "").split(path.delimiter).filter(Boolean);
if (!current.includes(packModules)) {
    process.env.NODE_PATH = [...current, packModules].join(path.delimiter);
    Module._initPaths();
}
