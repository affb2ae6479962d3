// Runs in every unit test file (vitest.config.mts setupFiles).
import { afterAll } from "vitest";
import { removeTemporaryDirectories } from "./temporary";

afterAll(removeTemporaryDirectories);
