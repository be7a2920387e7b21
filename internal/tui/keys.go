package tui

import (
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// Binding is a set of keys (as tea.KeyMsg.String() names them) and the
// help text that describes them.
type Binding struct {
	Keys []string
	Help string
}

// Matches reports whether msg is one of b's keys.
func (b Binding) Matches(msg tea.KeyMsg) bool { return slices.Contains(b.Keys, msg.String()) }

// KeyMap is every key the model reacts to outside search mode.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom Binding
	Filter, Search, ClearSearch, Help, Quit Binding
	// DetailUp and DetailDown scroll the detail pane when the selected
	// job's journey is longer than the pane.
	DetailUp, DetailDown Binding
}

// DefaultKeyMap is vi- and arrow-friendly.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:          Binding{[]string{"up", "k"}, "up"},
		Down:        Binding{[]string{"down", "j"}, "down"},
		PageUp:      Binding{[]string{"pgup", "ctrl+u"}, "page up"},
		PageDown:    Binding{[]string{"pgdown", "ctrl+d"}, "page down"},
		Top:         Binding{[]string{"home", "g"}, "first job"},
		Bottom:      Binding{[]string{"end", "G"}, "last job"},
		Filter:      Binding{[]string{"f"}, "cycle status filter"},
		Search:      Binding{[]string{"/"}, "search job ids and operations"},
		ClearSearch: Binding{[]string{"esc"}, "clear search and filter"},
		Help:        Binding{[]string{"?"}, "toggle help"},
		Quit:        Binding{[]string{"q", "ctrl+c"}, "quit"},
		DetailUp:    Binding{[]string{"["}, "scroll the journey up"},
		DetailDown:  Binding{[]string{"]"}, "scroll the journey down"},
	}
}

// bindings lists the map in help order.
func (k KeyMap) bindings() []Binding {
	return []Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.DetailUp, k.DetailDown, k.Filter, k.Search, k.ClearSearch, k.Help, k.Quit}
}

// helpLines renders the full help, one binding a line.
func (k KeyMap) helpLines() []string {
	var lines []string
	for _, b := range k.bindings() {
		lines = append(lines, "  "+padRight(strings.Join(b.Keys, "/"), 14)+b.Help)
	}
	return lines
}
