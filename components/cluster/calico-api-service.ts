// What "the projectcalico.org/v3 API is served" means, shared by the kind gate (a local command)
// and the attached clusters' gate (a dynamic provider). Plain data: the dynamic provider's
// serialized code captures it.

export const CALICO_APISERVICE = "v3.projectcalico.org";
/** How long a gate waits, in seconds. */
export const CALICO_API_TIMEOUT_SECONDS = 600;
