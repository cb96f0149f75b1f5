"""``wenming build --engine spark``: the same warehouse built on Spark (docs/scale.md).

``session`` starts Spark from the config's ``[spark]`` table; ``engine`` runs one SQL
text (a portable subset of DuckDB SQL, transpiled with sqlglot) on Spark or on DuckDB;
``load`` is the cross-row pass (references, duplicates, conflicts) table by table;
``summaries`` the summary tables; ``build`` puts it together: staging on the executors,
the load pass, the tables as Parquet, and a small DuckDB file whose views read them.
"""
