// Types of process-usage.cjs (plain CommonJS, preloaded into processes of the built CLI).
export interface ProcessUsage {
    /** CPU time of the process (user + system, every thread), ms. */
    cpuMs: number;
    /** CPU time of its main thread, ms (10 ms ticks), where Linux tells it. */
    mainThreadMs: number | undefined;
    /** Peak RSS, MB. */
    peakMb: number;
}
export declare function mainThreadCpuMs(): number | undefined;
export declare function processUsage(): ProcessUsage;
