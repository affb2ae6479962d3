// What a measured process used, for the benchmarks: its CPU time, its main thread's and its peak
// RSS. Preloaded into a process the benchmark starts (`node --require ./bench/process-usage.cjs
// dist/calico-zt.js ...` with BENCH_USAGE_FILE set), it writes them as JSON to that file at exit,
// so a whole process of the built CLI is measured as users run it. Plain CommonJS: the CLI runs
// without tsx.
"use strict";
const fs = require("node:fs");

/**
 * CPU time of the main thread alone, in ms (10 ms ticks), where Linux tells it (/proc): the process's
 * CPU also counts V8's compiler and garbage collector threads, which an idle machine runs beside the
 * main thread, and wall time on a busy machine counts waiting for a core.
 */
function mainThreadCpuMs() {
    try {
        const fields = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime: fields 14 and 15 of proc(5), in ticks of 1/100 s
    } catch {
        return undefined;
    }
}

/** The process's CPU (user + system, every thread) in ms, its main thread's, and its peak RSS in MB. */
function processUsage() {
    const cpu = process.cpuUsage();
    return { cpuMs: (cpu.user + cpu.system) / 1000, mainThreadMs: mainThreadCpuMs(), peakMb: process.resourceUsage().maxRSS / 1024 };
}

const file = process.env.BENCH_USAGE_FILE;
if (file) process.on("exit", () => fs.writeFileSync(file, JSON.stringify(processUsage())));

module.exports = { mainThreadCpuMs, processUsage };
