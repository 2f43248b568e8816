#!/usr/bin/env python3
"""Checks a JSON document against a JSON Schema (draft 2020-12) with python-jsonschema.

Usage: validate-json-schema.py SCHEMA DOCUMENT

Checks the schema against its metaschema first, then prints every way the document breaks it,
one `/path: message` a line, and exits 0 either way; a document that is not exactly one JSON value
(two objects, one a line, say) fails to load: "Extra data", exit 1.
"""
import json
import sys

from jsonschema import Draft202012Validator

with open(sys.argv[1]) as file:
    schema = json.load(file)
Draft202012Validator.check_schema(schema)
with open(sys.argv[2]) as file:
    document = json.loads(file.read())
errors = Draft202012Validator(schema).iter_errors(document)
for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
    print("/" + "/".join(map(str, error.absolute_path)) + ": " + error.message)
