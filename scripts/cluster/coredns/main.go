// Command coredns is CoreDNS v1.15.0 with only the plugins cluster DNS needs here: no `forward`, so
// nothing resolved in a pod can leave the machine (names outside cluster.local get SERVFAIL/NXDOMAIN).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/whoami"
)

func init() {
	// Plugin chain order, as in upstream's plugin.cfg (core/dnsserver/zdirectives.go is generated from it).
	dnsserver.Directives = []string{"ready", "health", "errors", "log", "loadbalance", "cache", "kubernetes", "whoami"}
}

func main() { coremain.Run() }
