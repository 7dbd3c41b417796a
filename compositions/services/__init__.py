"""Writes to the countries' compositions.

`experts` changes one expert at a time (the forms of a country's experts page);
`file_import` imports a composition file (DESIGN section 5), in three stages:
`import_rows` reads the file and matches its people to the stored experts, `import_plan`
works out what to create, update and remove, and `import_write` writes that in batches with
its history.
"""
