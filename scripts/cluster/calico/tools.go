//go:build tools

// Package tools pins the main packages this wrapper module builds.
package tools

import (
	_ "github.com/projectcalico/calico/apiserver/cmd/apiserver"
	_ "github.com/projectcalico/calico/cni-plugin/cmd/calico"
	_ "github.com/projectcalico/calico/felix/cmd/calico-felix"
)
