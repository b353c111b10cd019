// CoreDNS with only the plugins the real-pods cluster's DNS needs (the kubernetes plugin for
// Service and pod names, plus health, ready, errors, log, cache, loadbalance), so the cold
// build skips the cloud providers' SDKs that the full plugin list pulls in. It is what CoreDNS's
// own plugin.cfg generator writes for this list, written out so build-binaries.sh builds it like
// every other tool. Nothing here forwards: the cluster has no route out.
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
)

// The order plugins run in, a subset of CoreDNS's plugin.cfg kept in its order.
var directives = []string{
	"ready",
	"health",
	"errors",
	"log",
	"loadbalance",
	"cache",
	"kubernetes",
}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
