package credentials

import (
	"strings"
	"testing"
)

func TestValidateHarborRobot(t *testing.T) {
	t.Parallel()
	robot := func(name string) Credential { return HarborRobot{RobotName: name, Secret: NewSecret("FakeSecret1")} }
	runValidate(t, []validateCase{
		{"system robot", robot("robot$pusher"), nil, ""},
		{"project robot", robot("robot$library+ci-pusher.v2"), nil, ""},
		{"legacy upper case", robot("robot$Library+CI"), nil, ""},
		{"custom prefix accepted", robot("harbor@library+ci"), nil, ""},
		{"empty", robot(""), ErrMissing, "robotName"},
		{"prefix only", robot("robot$"), ErrInvalid, "robotName"},
		{"empty name", robot("robot$library+"), ErrInvalid, "robotName"},
		{"empty project", robot("robot$+ci"), ErrInvalid, "robotName"},
		{"double plus", robot("robot$a+b+c"), ErrInvalid, "robotName"},
		{"double dot", robot("robot$ci..pusher"), ErrInvalid, "robotName"},
		{"space", robot("robot$ci pusher"), ErrInvalid, "robotName"},
		{"custom with space", robot("harbor@ci pusher"), ErrInvalid, "robotName"},
		{"too long", robot("robot$" + strings.Repeat("a", MaxUsernameLen)), ErrTooLarge, "robotName"},
		{"empty secret", HarborRobot{RobotName: "robot$ci"}, ErrMissing, "secret"},
		{"empty secret custom prefix", HarborRobot{RobotName: "bot-ci"}, ErrMissing, "secret"},
		{"control secret", HarborRobot{RobotName: "robot$ci", Secret: NewSecret("a\x7fb")}, ErrInvalid, "secret"},
	})
}

func TestHarborRobotValidateWithPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, robot, prefix string
		want                error
		field               string
	}{
		{"default", "robot$library+ci", DefaultRobotPrefix, nil, ""},
		{"custom", "harbor@library+ci", "harbor@", nil, ""},
		{"custom system", "harbor@ci", "harbor@", nil, ""},
		{"wrong prefix", "harbor@library+ci", DefaultRobotPrefix, ErrInvalid, "robotName"},
		{"custom bad suffix", "harbor@lib rary", "harbor@", ErrInvalid, "robotName"},
		{"custom bad project", "harbor@-lib+ci", "harbor@", ErrInvalid, "robotName"},
		{"empty prefix", "robot$ci", "", ErrMissing, "robotPrefix"},
		{"plus in prefix", "a+robot$ci", "a+", ErrInvalid, "robotPrefix"},
		{"space in prefix", "a robot$ci", "a ", ErrInvalid, "robotPrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := HarborRobot{RobotName: tt.robot, Secret: NewSecret("FakeSecret1")}
			checkErr(t, h.ValidateWithPrefix(tt.prefix), tt.want, tt.field)
		})
	}
}
