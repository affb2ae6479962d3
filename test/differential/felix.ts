// Felix on the real cluster is a host process nothing restarts: when it panics (as a catch-all
// notNets once made it, README "Runs") the dataplane stops following the datastore and every
// later scenario would only be "not observed". The runner asks Felix's readiness endpoint when a
// scenario does not converge, and stops the run with the reason instead.

import { errorText } from "../../live/error-text";

/** Felix's readiness (FelixConfiguration healthEnabled; the cluster tier serves it on loopback): undefined when ready, else why not. */
export async function felixNotReady(readinessUrl: string, timeoutMs = 3000): Promise<string | undefined> {
    try {
        const response = await fetch(readinessUrl, { signal: AbortSignal.timeout(timeoutMs) });
        return response.ok ? undefined : `its readiness endpoint ${readinessUrl} answered HTTP ${response.status}`;
    } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const why = cause?.code ?? cause?.message ?? errorText(error);
        return `its readiness endpoint ${readinessUrl} did not answer (${why})`;
    }
}
