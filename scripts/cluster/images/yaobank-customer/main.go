// Command customer stands in for the track's yaobank customer (rezareza/yaobank-customer:azure): on
// :80, GET / fetches the account summary from http://$SUMMARY_URL/ and renders it as an HTML page;
// 502 with the reason when summary cannot be reached, so the page is whole only when
// customer -> summary -> database all work.
package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"

	"calico-zero-trust-lab/cluster/images/upstream"
)

type account struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Balance float64 `json:"balance"`
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><title>YAO Bank</title></head><body>
<h1>Welcome to YAO Bank</h1>
<table><tr><th>Account</th><th>Name</th><th>Balance</th></tr>
{{range .}}<tr><td>{{.ID}}</td><td>{{.Name}}</td><td>{{printf "%.2f" .Balance}}</td></tr>
{{end}}</table></body></html>
`))

func customer(summaryURL string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		status, data, err := upstream.Call(http.MethodGet, summaryURL, "", nil)
		if err != nil {
			upstream.Fail(w, err.Error())
			return
		}
		var accounts []account
		if status != http.StatusOK {
			upstream.Fail(w, fmt.Sprintf("upstream %s answered HTTP %d: %.160s", summaryURL, status, data))
			return
		}
		if err := json.Unmarshal(data, &accounts); err != nil {
			upstream.Fail(w, fmt.Sprintf("upstream %s: not an account summary: %v", summaryURL, err))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, accounts)
	}
}

func main() {
	host := os.Getenv("SUMMARY_URL")
	if host == "" {
		host = "summary"
	}
	summaryURL := "http://" + host + "/"
	addr := upstream.Listen("PORT", 80)
	log.Printf("yaobank customer stand-in listening on %s, reading %s", addr, summaryURL)
	log.Fatal(http.ListenAndServe(addr, customer(summaryURL)))
}
