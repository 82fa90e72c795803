package main

import (
	"encoding/json"
	"fmt"
)

// parseJSON decodes a plugin conf into a new T.
func parseJSON[T any](name string, in []byte) (*T, error) {
	c := new(T)
	if len(in) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(in, c); err != nil {
		return nil, fmt.Errorf("%s: conf: %w", name, err)
	}
	return c, nil
}
