// Preloaded into a process the live-read benchmark measures (node --require): at exit, its own CPU
// time and peak RSS on stderr, as one JSON line the benchmark reads.
process.on("exit", () => {
    const usage = process.resourceUsage();
    process.stderr.write(`\nUSAGE ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024 })}\n`);
});
