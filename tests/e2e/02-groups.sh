#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Group selection with openconnect --authgroup: a user logs in only into a group they
# belong to, chosen by its label.
set -eu
. "$(dirname "$0")/lib.sh"

e2e_init groups
e2e_certs ec
e2e_passwd alice alicepw staff
e2e_passwd bob bobpw contractors
e2e_conf 'select-group = staff[Staff]' 'select-group = contractors[Contractors]'
e2e_start

step "alice into Staff -> ok"
oc_auth_ok alice alicepw --authgroup=Staff

step "alice into Contractors -> refused"
oc_auth_refused alice alicepw --authgroup=Contractors
server_alive

step "bob into Contractors -> ok"
oc_auth_ok bob bobpw --authgroup=Contractors

step "bob into Staff -> refused"
oc_auth_refused bob bobpw --authgroup=Staff
server_alive

step "alice into Staff again -> ok"
oc_auth_ok alice alicepw --authgroup=Staff

pass
