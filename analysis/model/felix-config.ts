/**
 * The parts of Felix's configuration that decide host traffic: the failsafe ports and what happens to
 * a local pod's packets to its own node. Read from the FelixConfiguration named `default` when the
 * input has one; each field the input leaves unset keeps Felix's value.
 *  - failsafeInboundHostPorts / failsafeOutboundHostPorts: felix config/config_params.go, v3.28.5
 *    (`tcp:22,udp:68,tcp:179,...` and `udp:53,udp:67,tcp:179,...`), matched before any host endpoint
 *    policy in the untracked, pre-DNAT and normal chains, never in forwarded ones (rules/endpoints.go).
 *  - defaultEndpointToHostAction: Felix's own default is Drop, but the manifests and the operator set
 *    ACCEPT ("ACCEPT is what is set by our manifests and operator by default", felix fv tests), so
 *    the analyzer assumes Accept unless the input says otherwise.
 */
import { AnalysisInputError } from "../errors";
import { locate } from "../input/manifests";
import type { Cidr } from "../net";
import { parseCidr } from "../net";
import type { KubeObject, Protocol, QueryProtocol } from "../types";

export interface FailsafePort {
    protocol: Protocol;
    port: number;
    net?: Cidr;
}

export interface FelixSettings {
    failsafeInbound: FailsafePort[];
    failsafeOutbound: FailsafePort[];
    endpointToHostAction: "Drop" | "Return" | "Accept";
    /** Where the settings come from, for explanations: "Felix defaults" or the FelixConfiguration. */
    source: string;
}

const FELIX_DEFAULT_INBOUND = "tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667";
const FELIX_DEFAULT_OUTBOUND = "udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667";
const ENDPOINT_TO_HOST_ACTIONS = ["Drop", "Return", "Accept"] as const;

function defaultPorts(text: string): FailsafePort[] {
    return text.split(",").map((entry) => {
        const [protocol, port] = entry.split(":");
        return { protocol: protocol!.toUpperCase() as Protocol, port: Number(port) };
    });
}

export const FELIX_DEFAULTS: FelixSettings = {
    failsafeInbound: defaultPorts(FELIX_DEFAULT_INBOUND),
    failsafeOutbound: defaultPorts(FELIX_DEFAULT_OUTBOUND),
    endpointToHostAction: "Accept",
    source: "Felix defaults",
};

/** Felix's settings from the input's FelixConfiguration objects (only `default` applies to every node). */
export function felixSettings(objects: KubeObject[], warnings: string[]): FelixSettings {
    let settings = FELIX_DEFAULTS;
    for (const object of objects) {
        if (object.metadata.name !== "default") {
            warnings.push(
                `FelixConfiguration ${object.metadata.name} is not read: only FelixConfiguration default is (per-node ones, node.<name>, are not modelled)`,
            );
            continue;
        }
        const spec = object.spec ?? {};
        if (spec.disableConntrackInvalidCheck === true) {
            warnings.push(
                `FelixConfiguration ${object.metadata.name} sets disableConntrackInvalidCheck: true, which the analyzer does not model: ` +
                    "it judges the TCP reply of an untracked (doNotTrack) connection as dropped INVALID, where Felix then lets tracked policy decide",
            );
        }
        settings = {
            failsafeInbound:
                spec.failsafeInboundHostPorts == null
                    ? settings.failsafeInbound
                    : failsafePorts(object, spec.failsafeInboundHostPorts, "spec.failsafeInboundHostPorts"),
            failsafeOutbound:
                spec.failsafeOutboundHostPorts == null
                    ? settings.failsafeOutbound
                    : failsafePorts(object, spec.failsafeOutboundHostPorts, "spec.failsafeOutboundHostPorts"),
            endpointToHostAction:
                spec.defaultEndpointToHostAction == null ? settings.endpointToHostAction : endpointToHostAction(object, spec.defaultEndpointToHostAction),
            source: "FelixConfiguration default",
        };
    }
    return settings;
}

function failsafePorts(object: KubeObject, raw: unknown, key: string): FailsafePort[] {
    if (!Array.isArray(raw)) throw new AnalysisInputError(`expected a list of {protocol, port, net?}, got ${JSON.stringify(raw)}`, locate(object, key));
    return raw.map((entry: any, i) => {
        const at = `${key}[${i}]`;
        const port = Number(entry?.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
            throw new AnalysisInputError(`port ${JSON.stringify(entry?.port)} is not a port number 0-65535`, locate(object, `${at}.port`));
        const protocol = String(entry?.protocol ?? "TCP").toUpperCase();
        if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") {
            throw new AnalysisInputError(`protocol ${JSON.stringify(entry?.protocol)} is not one of TCP, UDP, SCTP`, locate(object, `${at}.protocol`));
        }
        if (entry?.net == null || String(entry.net).includes(":")) return { protocol, port };
        const net = parseCidr(String(entry.net));
        if (!net) throw new AnalysisInputError(`net ${JSON.stringify(entry.net)} is not a CIDR`, locate(object, `${at}.net`));
        return { protocol, port, net };
    });
}

function endpointToHostAction(object: KubeObject, raw: unknown): FelixSettings["endpointToHostAction"] {
    const found = ENDPOINT_TO_HOST_ACTIONS.find((action) => action.toLowerCase() === String(raw).toLowerCase());
    if (!found)
        throw new AnalysisInputError(
            `${JSON.stringify(raw)} is not one of ${ENDPOINT_TO_HOST_ACTIONS.join(", ")}`,
            locate(object, "spec.defaultEndpointToHostAction"),
        );
    return found;
}

/** The failsafe entry a packet matches (destination port, protocol, and the entry's net against `peer`). */
export function failsafeMatch(ports: readonly FailsafePort[], protocol: QueryProtocol, port: number, peer: number): FailsafePort | undefined {
    return ports.find((p) => p.protocol === protocol && p.port === port && (!p.net || (p.net.first <= peer && peer <= p.net.last)));
}

export function describeFailsafe(entry: FailsafePort, direction: "inbound" | "outbound", settings: FelixSettings): string {
    return `failsafe ${direction} port ${entry.protocol.toLowerCase()}:${entry.port}${entry.net ? ` from ${entry.net.text}` : ""} (${settings.source})`;
}
