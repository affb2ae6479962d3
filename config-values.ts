// The grammars of the program's config values that are not plain numbers or choices: each one is
// the grammar of the tool that later receives the value, checked before any resource registers.
import { parseCalicoSelector, SelectorSyntaxError } from "./analysis";
import { SYSTEM_NAMESPACES } from "./analysis/system-namespaces";

/**
 * An image reference as the container runtimes parse it: the distribution reference grammar
 * (github.com/distribution/reference, reference.go / regexp.go): [domain[:port]/]path[:tag][@digest],
 * path components lower case, the whole name at most 255 characters.
 */
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
export const NAME_TOTAL_LENGTH_MAX = 255;

/** Why `value` is not an image reference, or undefined when it is one. */
export function imageReferenceProblem(value: string): string | undefined {
    const match = REFERENCE.exec(value);
    if (!match) return "expected an image reference [registry[:port]/]name[:tag][@digest], name in lower case, no spaces (the distribution reference grammar)";
    if (match[1]!.length > NAME_TOTAL_LENGTH_MAX) return `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
    return undefined;
}

/** kind's cluster-name rule (sigs.k8s.io/kind pkg/cluster/internal/create: lower case letters, digits, '.' and '-'; at most 50 characters). */
const KIND_CLUSTER_NAME = /^[a-z0-9.-]+$/;
export const KIND_CLUSTER_NAME_MAX = 50;

export function kindClusterNameProblem(value: string): string | undefined {
    if (!KIND_CLUSTER_NAME.test(value)) return "expected a kind cluster name: lower case letters, digits, '.' and '-'";
    if (value.length > KIND_CLUSTER_NAME_MAX) return `expected a kind cluster name of at most ${KIND_CLUSTER_NAME_MAX} characters`;
    return undefined;
}

/** Why a Calico selector does not parse (the analyzer's parser, which follows libcalico-go's), or undefined. */
export function calicoSelectorProblem(value: string): string | undefined {
    try {
        parseCalicoSelector(value);
        return undefined;
    } catch (error) {
        if (error instanceof SelectorSyntaxError) return `expected a Calico selector: ${error.message}`;
        throw error;
    }
}

/** Why a namespace cannot be the lab's: one the cluster itself runs in. */
export function systemNamespaceProblem(value: string): string | undefined {
    return SYSTEM_NAMESPACES.includes(value)
        ? `${value} runs the cluster itself (${SYSTEM_NAMESPACES.join(", ")} are refused): the lab's default deny would cut it off; choose a namespace of its own such as zero-trust-lab`
        : undefined;
}
