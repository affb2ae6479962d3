// Command etcd stands in for the track's yaobank database (rezareza/yaobank-database:azure runs
// `etcd -advertise-client-urls ... -listen-client-urls http://0.0.0.0:2379`): it accepts those flags
// and serves, read-only, the part of etcd's v2 keys API the summary stand-in reads
// (GET /v2/keys/<key>[?recursive=true]) over a fixed set of bank accounts, plus /health and /version.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// node is a v2 keys API node (https://etcd.io/docs/v2.3/api/): a directory or a value.
type node struct {
	Key           string  `json:"key,omitempty"`
	Value         string  `json:"value,omitempty"`
	Dir           bool    `json:"dir,omitempty"`
	Nodes         []*node `json:"nodes,omitempty"`
	ModifiedIndex int     `json:"modifiedIndex"`
	CreatedIndex  int     `json:"createdIndex"`
}

// Accounts is the bank's data: key under /accounts -> JSON value.
var Accounts = map[string]string{
	"alice": `{"name":"Alice","balance":1200.50}`,
	"bob":   `{"name":"Bob","balance":310.00}`,
	"carol": `{"name":"Carol","balance":78.25}`,
}

// tree builds the node at key ("/" is the root) from Accounts; nil when there is none.
func tree(key string, recursive bool) *node {
	key = "/" + strings.Trim(key, "/")
	ids := make([]string, 0, len(Accounts))
	for id := range Accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	leaf := func(id string) *node {
		return &node{Key: "/accounts/" + id, Value: Accounts[id], ModifiedIndex: 5, CreatedIndex: 5}
	}
	accounts := &node{Key: "/accounts", Dir: true, ModifiedIndex: 4, CreatedIndex: 4}
	for _, id := range ids {
		accounts.Nodes = append(accounts.Nodes, leaf(id))
	}
	switch {
	case key == "/":
		root := &node{Dir: true}
		if recursive {
			root.Nodes = []*node{accounts}
		} else {
			root.Nodes = []*node{{Key: "/accounts", Dir: true, ModifiedIndex: 4, CreatedIndex: 4}}
		}
		return root
	case key == "/accounts":
		return accounts
	case strings.HasPrefix(key, "/accounts/"):
		if _, ok := Accounts[strings.TrimPrefix(key, "/accounts/")]; ok {
			return leaf(strings.TrimPrefix(key, "/accounts/"))
		}
	}
	return nil
}

func keys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Etcd-Index", "5")
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorCode": 107, "message": "this stand-in is read-only", "index": 5})
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/v2/keys")
	n := tree(key, r.URL.Query().Get("recursive") == "true")
	if n == nil {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorCode": 100, "message": "Key not found", "cause": key, "index": 5})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"action": "get", "node": n})
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/keys", keys)
	mux.HandleFunc("/v2/keys/", keys)
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"health":"true"}`)) })
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"etcdserver":"3.3.0-lab-standin","etcdcluster":"3.3.0"}`))
	})
	return mux
}

// listenAddress turns etcd's -listen-client-urls (first URL) into a listen address.
func listenAddress(urls string) (string, error) {
	u, err := url.Parse(strings.Split(urls, ",")[0])
	if err != nil {
		return "", err
	}
	return u.Host, nil
}

func main() {
	listen := flag.String("listen-client-urls", "http://0.0.0.0:2379", "URLs to listen on for client traffic (the first is used)")
	advertise := flag.String("advertise-client-urls", "http://localhost:2379", "accepted for etcd compatibility; logged only")
	flag.Parse()
	addr, err := listenAddress(*listen)
	if err != nil {
		log.Fatalf("bad -listen-client-urls %q: %v", *listen, err)
	}
	log.Printf("yaobank database stand-in (etcd v2 keys, read-only) listening on %s, advertising %s", addr, *advertise)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
