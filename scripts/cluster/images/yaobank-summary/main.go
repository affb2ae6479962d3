// Command summary stands in for the track's yaobank summary (rezareza/yaobank-summary:azure): on :80,
// GET / reads the accounts from the database at http://$DB_URL:$DB_PORT/v2/keys/accounts (etcd's v2
// keys API) and answers them as JSON [{"id","name","balance"}]; 502 with the reason when the database
// cannot be reached.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"

	"calico-zero-trust-lab/cluster/images/upstream"
)

// Account is one line of the summary.
type Account struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Balance float64 `json:"balance"`
}

type keysAnswer struct {
	Node struct {
		Nodes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"nodes"`
	} `json:"node"`
}

// parseAccounts reads a v2 keys answer for /accounts.
func parseAccounts(data []byte) ([]Account, error) {
	var answer keysAnswer
	if err := json.Unmarshal(data, &answer); err != nil {
		return nil, fmt.Errorf("database answer is not a v2 keys node: %v", err)
	}
	accounts := []Account{}
	for _, n := range answer.Node.Nodes {
		var a Account
		if err := json.Unmarshal([]byte(n.Value), &a); err != nil {
			return nil, fmt.Errorf("account %s: %v", n.Key, err)
		}
		a.ID = n.Key[len("/accounts/"):]
		accounts = append(accounts, a)
	}
	return accounts, nil
}

func summary(databaseURL string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		status, data, err := upstream.Call(http.MethodGet, databaseURL, "", nil)
		if err != nil {
			upstream.Fail(w, err.Error())
			return
		}
		if status != http.StatusOK {
			upstream.Fail(w, fmt.Sprintf("upstream %s answered HTTP %d: %.160s", databaseURL, status, data))
			return
		}
		accounts, err := parseAccounts(data)
		if err != nil {
			upstream.Fail(w, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(accounts)
	}
}

func main() {
	host, port := os.Getenv("DB_URL"), os.Getenv("DB_PORT")
	if host == "" {
		host = "database"
	}
	if port == "" {
		port = "2379"
	}
	databaseURL := fmt.Sprintf("http://%s:%s/v2/keys/accounts?recursive=true", host, port)
	addr := upstream.Listen("PORT", 80)
	log.Printf("yaobank summary stand-in listening on %s, reading %s", addr, databaseURL)
	log.Fatal(http.ListenAndServe(addr, summary(databaseURL)))
}
