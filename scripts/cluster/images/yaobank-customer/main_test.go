package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// get returns the status and body of GET / on a customer whose summary service is summaryURL.
func get(t *testing.T, summaryURL string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(customer(summaryURL + "/"))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestPage(t *testing.T) {
	summary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[{"id":"alice","name":"Alice","balance":2}]`))
	}))
	defer summary.Close()
	if code, body := get(t, summary.URL); code != http.StatusOK || !strings.Contains(body, "<td>Alice</td><td>2.00</td>") {
		t.Fatalf("page: %d %s", code, body)
	}
}

func TestPageSummaryDown(t *testing.T) {
	summary := httptest.NewServer(http.NotFoundHandler())
	url := summary.URL
	summary.Close()
	if code, body := get(t, url); code != http.StatusBadGateway || !strings.Contains(body, "refused") {
		t.Fatalf("summary down: %d %s", code, body)
	}
}
