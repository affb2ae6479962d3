package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	summary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[{"id":"alice","name":"Alice","balance":2}]`))
	}))
	defer summary.Close()
	srv := httptest.NewServer(customer(summary.URL + "/"))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<td>Alice</td><td>2.00</td>") {
		t.Fatalf("page: %d %s", resp.StatusCode, body)
	}
}

func TestPageSummaryDown(t *testing.T) {
	summary := httptest.NewServer(http.NotFoundHandler())
	url := summary.URL
	summary.Close()
	srv := httptest.NewServer(customer(url + "/"))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "refused") {
		t.Fatalf("summary down: %d %s", resp.StatusCode, body)
	}
}
