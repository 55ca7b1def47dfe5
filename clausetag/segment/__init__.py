"""Clause segmentation: decoding and length-preserving normalisation (:mod:`~clausetag.segment.text`),
rule sets as data (:mod:`~clausetag.segment.rulesets`), the splitter engine
(:mod:`~clausetag.segment.splitter`) and the analysis of rule patterns it uses to skip regexes
(:mod:`~clausetag.segment.patterns`)."""
