"""The serious violence definition, a stage of the build of its own.

- :mod:`snalib.definition.offence_codes`: the Home Office offence code reference;
- :mod:`snalib.definition.flags`: each crime flagged against the definition, the inclusion
  flow and the definition chapter's sentences;
- :mod:`snalib.definition.series`: monthly series of the definition (or the public proxy).
"""
