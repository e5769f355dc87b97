package credentials

import (
	"regexp"
	"strings"
	"unicode"
)

// DefaultRobotPrefix is Harbor's default robot-account name prefix. Harbor
// lets an administrator change it (the robot_name_prefix setting, e.g.
// "harbor@"); use [HarborRobot.ValidateWithPrefix] for such instances.
const DefaultRobotPrefix = "robot$"

const maxRobotPrefixLen = 64

// robotPartRe is one part of a robot name after the prefix: a project name
// or a robot's own name, as Harbor restricts them (alphanumerics separated
// by single '.', '_' or '-'). Upper case is tolerated for accounts created
// by older Harbor releases.
var robotPartRe = regexp.MustCompile(`^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$`)

// Validate checks the robot name and secret.
//
// Harbor's prefix is configurable and a credential does not say which
// Harbor it belongs to, so Validate is strict only where it can be: a name
// starting with [DefaultRobotPrefix] must continue with `name` or
// `project+name`; any other name must still be a clean identifier (no
// control characters or whitespace, at most [MaxUsernameLen] bytes). Call
// [HarborRobot.ValidateWithPrefix] when the instance's prefix is known.
func (h HarborRobot) Validate() error {
	if err := h.validateName(); err != nil {
		return err
	}
	if strings.HasPrefix(h.RobotName, DefaultRobotPrefix) {
		return h.ValidateWithPrefix(DefaultRobotPrefix)
	}
	return checkSecret(fSecret, h.Secret, MaxSecretLen)
}

// ValidateWithPrefix checks that the robot name is prefix followed by
// `name` (a system robot) or `project+name` (a project robot), and checks
// the secret. prefix must be 1 to 64 bytes without control characters,
// whitespace or '+'.
func (h HarborRobot) ValidateWithPrefix(prefix string) error {
	if err := validateRobotPrefix(prefix); err != nil {
		return err
	}
	if err := h.validateName(); err != nil {
		return err
	}
	rest, ok := strings.CutPrefix(h.RobotName, prefix)
	if !ok {
		return fieldErr(fRobotName, ErrInvalid, "does not start with the robot prefix "+quoteName(prefix))
	}
	if err := validateRobotSuffix(rest); err != nil {
		return err
	}
	return checkSecret(fSecret, h.Secret, MaxSecretLen)
}

func (h HarborRobot) validateName() error {
	if err := checkIdentifier(fRobotName, h.RobotName, MaxUsernameLen); err != nil {
		return err
	}
	if strings.ContainsFunc(h.RobotName, unicode.IsSpace) {
		return fieldErr(fRobotName, ErrInvalid, "contains whitespace")
	}
	return nil
}

func validateRobotPrefix(prefix string) error {
	const field = "robotPrefix"
	if err := checkIdentifier(field, prefix, maxRobotPrefixLen); err != nil {
		return err
	}
	if strings.ContainsFunc(prefix, unicode.IsSpace) || strings.Contains(prefix, "+") {
		return fieldErr(field, ErrInvalid, "must not contain whitespace or '+'")
	}
	return nil
}

// validateRobotSuffix checks `name` or `project+name`.
func validateRobotSuffix(rest string) error {
	project, name, scoped := strings.Cut(rest, "+")
	if !scoped {
		name = rest
	}
	if scoped && !robotPartRe.MatchString(project) {
		return fieldErr(fRobotName, ErrInvalid, "project part is not a Harbor project name")
	}
	if !robotPartRe.MatchString(name) {
		return fieldErr(fRobotName, ErrInvalid, "must be <prefix>name or <prefix>project+name")
	}
	return nil
}
