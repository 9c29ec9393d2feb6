# pop3d: build, test and install. `make install` needs only the two binaries: the database migrations are
# compiled into pop3d.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(DESTDIR)$(PREFIX)/bin
UNITDIR = $(DESTDIR)$(PREFIX)/lib/systemd/system
DOCDIR = $(DESTDIR)$(PREFIX)/share/doc/pop3d
CONFDIR = $(DESTDIR)/etc/pop3d
SWIFT ?= swift
# Where the binaries to install are; `install-files` alone installs an existing build (tests use the debug one).
BIN ?= $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: all release test install install-files uninstall verify-unit clean

all: release

release:
	$(SWIFT) build -c release --product pop3d
	$(SWIFT) build -c release --product pop3ctl

test:
	scripts/test.sh

# Installs the release binaries, the systemd unit and the documentation; the example configuration only when
# there is none yet (an operator's file is never overwritten).
install: release install-files

install-files:
	install -d $(BINDIR) $(UNITDIR) $(DOCDIR) $(CONFDIR)
	install -m 0755 $(BIN)/pop3d $(BIN)/pop3ctl $(BINDIR)/
	sed 's|/usr/local/|$(PREFIX)/|g' packaging/pop3d.service > $(UNITDIR)/pop3d.service
	chmod 0644 $(UNITDIR)/pop3d.service
	install -m 0644 documentation/operations.md documentation/monitor-protocol.txt documentation/cluster-guide.md \
		packaging/haproxy.cfg $(DOCDIR)/
	install -d $(DOCDIR)/cluster
	install -m 0644 packaging/cluster/pop3d.conf packaging/cluster/pop3d.service.d/cluster.conf $(DOCDIR)/cluster/
	test -e $(CONFDIR)/pop3d.conf || install -m 0644 packaging/pop3d.conf $(CONFDIR)/pop3d.conf

uninstall:
	rm -f $(BINDIR)/pop3d $(BINDIR)/pop3ctl $(UNITDIR)/pop3d.service
	rm -rf $(DOCDIR)

# Checks the unit with systemd-analyze where it exists.
verify-unit:
	scripts/verify-unit.sh

clean:
	$(SWIFT) package clean
