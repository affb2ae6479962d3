// Temporary directories of a test file, removed when the file's tests end (vitest setupFiles
// registers removeTemporaryDirectories as an afterAll of every file): npm test leaves nothing in
// the system's temp directory.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const created: string[] = [];

/** A new directory under os.tmpdir() named `<prefix>-XXXXXX`, removed after the test file. */
export function temporaryDirectory(prefix: string): string {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    created.push(directory);
    return directory;
}

/** Removes every directory temporaryDirectory made in this test file. */
export function removeTemporaryDirectories(): void {
    for (const directory of created.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
}
