package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestDirectAndProxy(t *testing.T) {
	app := httptest.NewServer(handler())
	defer app.Close()
	if code, body := post(t, app.URL+"/api/messages", `{"sender":"x"}`); code != 200 || body != "Hello x (direct)" {
		t.Fatalf("direct: %d %q", code, body)
	}
	host := strings.TrimPrefix(app.URL, "http://")
	if code, body := post(t, app.URL+"/proxy/api/messages", `{"sender":"x","host":"`+host+`"}`); code != 200 || body != "Hello x (proxy)" {
		t.Fatalf("proxy: %d %q", code, body)
	}
}

func TestProxyUpstreamRefused(t *testing.T) {
	app := httptest.NewServer(handler())
	defer app.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	code, body := post(t, app.URL+"/proxy/api/messages", `{"sender":"x","host":"`+host+`"}`)
	if code != http.StatusBadGateway || !strings.Contains(body, "refused") {
		t.Fatalf("proxy to a closed port: %d %q", code, body)
	}
}

func TestBadInput(t *testing.T) {
	app := httptest.NewServer(handler())
	defer app.Close()
	if code, _ := post(t, app.URL+"/api/messages", `{}`); code != http.StatusBadRequest {
		t.Fatalf("missing sender: %d", code)
	}
	if code, _ := post(t, app.URL+"/proxy/api/messages", `{"sender":"x","host":"a/b"}`); code != http.StatusBadRequest {
		t.Fatalf("bad host: %d", code)
	}
}
