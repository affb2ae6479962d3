// Command helloworld stands in for the lab's remkohdev/helloworld (app and proxy are the same image):
// on :8080, POST /api/messages {"sender":"x"} answers "Hello x (direct)", and
// POST /proxy/api/messages {"sender":"x","host":"helloworld:8080"} calls http://<host>/api/messages
// and answers "Hello x (proxy)" when the upstream answered; 502 with the reason when it did not.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"calico-zero-trust-lab/cluster/images/upstream"
)

type message struct {
	Sender string `json:"sender"`
	Host   string `json:"host,omitempty"`
}

func readMessage(w http.ResponseWriter, r *http.Request) (message, bool) {
	var m message
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return m, false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&m); err != nil || m.Sender == "" {
		http.Error(w, `expected a JSON body {"sender": "<name>"}`, http.StatusBadRequest)
		return m, false
	}
	return m, true
}

func direct(w http.ResponseWriter, r *http.Request) {
	m, ok := readMessage(w, r)
	if !ok {
		return
	}
	fmt.Fprintf(w, "Hello %s (direct)", m.Sender)
}

func proxy(w http.ResponseWriter, r *http.Request) {
	m, ok := readMessage(w, r)
	if !ok {
		return
	}
	if m.Host == "" || strings.ContainsAny(m.Host, "/?#@ ") {
		http.Error(w, `expected "host": "<service>:<port>"`, http.StatusBadRequest)
		return
	}
	url := "http://" + m.Host + "/api/messages"
	body, _ := json.Marshal(message{Sender: m.Sender})
	status, answer, err := upstream.Call(http.MethodPost, url, "application/json", bytes.NewReader(body))
	if err != nil {
		upstream.Fail(w, err.Error())
		return
	}
	if status/100 != 2 || !strings.Contains(string(answer), "Hello "+m.Sender) {
		upstream.Fail(w, fmt.Sprintf("upstream %s answered HTTP %d: %.160s", url, status, answer))
		return
	}
	fmt.Fprintf(w, "Hello %s (proxy)", m.Sender)
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/messages", direct)
	mux.HandleFunc("/proxy/api/messages", proxy)
	return mux
}

func main() {
	addr := upstream.Listen("PORT", 8080)
	log.Printf("helloworld stand-in listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
