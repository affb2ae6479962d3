package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestKeys(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	code, out := get(t, srv.URL+"/v2/keys/accounts?recursive=true")
	nodes := out["node"].(map[string]any)["nodes"].([]any)
	if code != 200 || len(nodes) != len(Accounts) {
		t.Fatalf("accounts: %d %v", code, out)
	}
	if code, _ := get(t, srv.URL+"/v2/keys/nope"); code != 404 {
		t.Fatalf("missing key: %d", code)
	}
	if code, out := get(t, srv.URL+"/v2/keys?recursive=true"); code != 200 || out["action"] != "get" {
		t.Fatalf("root: %d %v", code, out)
	}
}

func TestListenAddress(t *testing.T) {
	if got, _ := listenAddress("http://0.0.0.0:2379,http://x:1"); got != "0.0.0.0:2379" {
		t.Fatalf("listenAddress = %q", got)
	}
}
