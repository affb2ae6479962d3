package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

const answer = `{"action":"get","node":{"key":"/accounts","dir":true,"nodes":[{"key":"/accounts/alice","value":"{\"name\":\"Alice\",\"balance\":1.5}"}]}}`

func TestSummary(t *testing.T) {
	db := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(answer)) }))
	defer db.Close()
	srv := httptest.NewServer(summary(db.URL + "/v2/keys/accounts?recursive=true"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var accounts []Account
	if err := json.NewDecoder(resp.Body).Decode(&accounts); err != nil || len(accounts) != 1 || accounts[0] != (Account{"alice", "Alice", 1.5}) {
		t.Fatalf("summary: %v %v", accounts, err)
	}
}

func TestSummaryDatabaseDown(t *testing.T) {
	db := httptest.NewServer(http.NotFoundHandler())
	url := db.URL
	db.Close()
	srv := httptest.NewServer(summary(url))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("database down: HTTP %d, want 502", resp.StatusCode)
	}
}
