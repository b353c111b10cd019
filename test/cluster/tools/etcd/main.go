// etcd's own server/main.go, as a module we can build: `go install ...@version` refuses
// go.etcd.io/etcd/server/v3 because its go.mod has replace directives.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
