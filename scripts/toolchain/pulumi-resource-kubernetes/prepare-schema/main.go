// Command prepare-schema does what the provider's `go generate` step does upstream: it reads the
// committed schema.json and terraform-mapping.json of the provider module (directory given as the first
// argument), stamps the schema's version (second argument) and writes schema-embed.json and
// terraform-mapping-embed.json into the output directory (third argument).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: prepare-schema <provider-cmd-dir> <version> <out-dir>"))
	}
	src, version, out := os.Args[1], os.Args[2], os.Args[3]

	var schema map[string]json.RawMessage
	readJSON(filepath.Join(src, "schema.json"), &schema)
	v, err := json.Marshal(version)
	if err != nil {
		fail(err)
	}
	schema["version"] = v
	writeJSON(filepath.Join(out, "schema-embed.json"), schema)

	var mapping any
	readJSON(filepath.Join(src, "terraform-mapping.json"), &mapping)
	writeJSON(filepath.Join(out, "terraform-mapping-embed.json"), mapping)
}

func readJSON(path string, into any) {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
}

func writeJSON(path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "prepare-schema:", err)
	os.Exit(1)
}
