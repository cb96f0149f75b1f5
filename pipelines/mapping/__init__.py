"""Ledgers in layouts of their own: find the header, suggest a mapping, apply saved formats.

A ledger whose header fits no template table is mapped once by a person (column ->
contract field, composed fields, constants) and saved as a 报送格式 (``formats``);
every later file with the same header signature is read through it.

- ``grid``: a file's sheets as text grids with merged cells, Excel row numbers.
- ``header``: header rows (1-3, merged cells joined as ``参与人数/成人/人数``).
- ``fields``: the fields a column can map to (contract keys plus composition keys).
- ``suggest``: per column the likely field and a confidence 0-1.
- ``compose``: dates from 年份/月份/日期, years from titles and sheet names.
- ``formats``: saved 报送格式, one readable JSON file each, beside the warehouse.
- ``apply``: a grid read through a format into the contract's columns.
"""
