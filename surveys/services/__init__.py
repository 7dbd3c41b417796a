"""Writes to survey rounds. Views, admin screens and commands call these and stay thin;
each runs in one transaction and asks `nmg_registry.permissions` who may do what.

`file_import` imports a responses file (DESIGN section 5) in two stages: it reads and checks
the file, and `import_plan` works out what to create, update and remove and writes that
with its history. `rounds` starts a round as a copy of another, opens and closes it and
reminds the late countries; `answering` saves a representative's draft or submission.
"""
