#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Query an XML file from the e2e tests with the standard library only.
#
#   xmlq.py FILE root-attr NAME        attribute of the root element
#   xmlq.py FILE root-tag              tag of the root element
#   xmlq.py FILE count PATH            number of elements matching PATH (ElementTree syntax)
#   xmlq.py FILE text PATH             text of the first match (fails when none)
#   xmlq.py FILE texts PATH            text of every match, one a line
#   xmlq.py FILE attr PATH NAME        attribute of the first match (fails when none)
#   xmlq.py FILE raw TAG               verbatim source of the first <TAG ...>...</TAG>
# Exit 0 on success, 1 when nothing matched, 2 when the file is not well-formed XML.
import re
import sys
import xml.etree.ElementTree as ET


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, cmd, args = argv[1], argv[2], argv[3:]
    with open(path, "rb") as f:
        data = f.read()
    if cmd == "raw":
        tag = re.escape(args[0]).encode()
        m = re.search(rb"<" + tag + rb"(\s[^>]*)?>.*?</" + tag + rb">", data, re.S)
        if not m:
            return 1
        sys.stdout.write(m.group(0).decode("utf-8"))
        return 0
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        print("xmlq: %s: %s" % (path, e), file=sys.stderr)
        return 2
    if cmd == "root-tag":
        print(root.tag)
        return 0
    if cmd == "root-attr":
        v = root.get(args[0])
        if v is None:
            return 1
        print(v)
        return 0
    found = root.findall(args[0])
    if cmd == "count":
        print(len(found))
        return 0
    if not found:
        return 1
    if cmd == "text":
        print((found[0].text or "").strip())
        return 0
    if cmd == "texts":
        for e in found:
            print((e.text or "").strip())
        return 0
    if cmd == "attr":
        v = found[0].get(args[1])
        if v is None:
            return 1
        print(v)
        return 0
    print("xmlq: unknown command %s" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
