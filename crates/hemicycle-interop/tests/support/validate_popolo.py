#!/usr/bin/env python3
"""Validates a Popolo document against the Popolo JSON Schemas (draft-03).

Usage: validate_popolo.py SCHEMAS_DIR DOCUMENT

Each item of the document's arrays (persons, organizations, memberships, events,
motions, vote_events, and posts, areas, votes when present) is validated against its
schema with jsonschema's Draft3Validator, formats checked. The schemas' `$ref` URLs
(http://www.popoloproject.com/schemas/NAME.json#) resolve to the local files; nothing is
fetched. Prints one line per error and exits 1 if there is any, 2 on bad usage.
"""

import json
import pathlib
import sys

from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

BASE = "http://www.popoloproject.com/schemas/"
SCHEMA_OF = {
    "persons": "person.json",
    "organizations": "organization.json",
    "memberships": "membership.json",
    "events": "event.json",
    "motions": "motion.json",
    "vote_events": "vote_event.json",
    "posts": "post.json",
    "areas": "area.json",
    "votes": "vote.json",
}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    schemas_dir = pathlib.Path(sys.argv[1])
    document = json.loads(pathlib.Path(sys.argv[2]).read_text(encoding="utf-8"))
    registry = Registry()
    for path in sorted(schemas_dir.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT3)
        registry = registry.with_resource(BASE + path.name, resource)
    if not isinstance(document, dict):
        print("(document): expected an object")
        return 1
    checked = 0
    errors = 0
    for key, schema_name in SCHEMA_OF.items():
        items = document.get(key, [])
        if not isinstance(items, list):
            print(f"{key}: expected an array")
            errors += 1
            continue
        schema = registry.contents(BASE + schema_name)
        validator = Draft3Validator(
            schema, registry=registry, format_checker=Draft3Validator.FORMAT_CHECKER
        )
        for index, item in enumerate(items):
            checked += 1
            for error in validator.iter_errors(item):
                where = "".join(
                    f"[{part}]" if isinstance(part, int) else f".{part}"
                    for part in error.absolute_path
                )
                print(f"{key}[{index}]{where}: {error.message}")
                errors += 1
    print(f"{checked} objects checked against the Popolo schemas, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
