"""Reading the inputs: the data contract, the source adapters, loading and data quality.

- :mod:`snalib.inputs.contract`: the canonical tables, their columns and pandera schemas;
- :mod:`snalib.inputs.sources`: adapters from real formats to the canonical tables;
- :mod:`snalib.inputs.load`: loads every source of a params file and reconciles it;
- :mod:`snalib.inputs.quality`: the data quality chapter's tables and sentences.
"""
