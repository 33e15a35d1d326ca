"""LLM judges: rate responses on rubrics (attributes, scales, anchors) into a long rating table."""

from affectlab.analyses.judge.rubric import Attribute, Rubric, available_rubrics, load_rubric
from affectlab.analyses.judge.run import RATING_COLUMNS, judge

__all__ = ["RATING_COLUMNS", "Attribute", "Rubric", "available_rubrics", "judge", "load_rubric"]
