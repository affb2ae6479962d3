// Command pulumi-resource-kubernetes serves the upstream Kubernetes provider. It is the upstream main
// minus `go generate`: schema-embed.json and terraform-mapping-embed.json are written next to this file
// by ./prepare-schema (run by scripts/toolchain.sh) from the provider module's committed files.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
