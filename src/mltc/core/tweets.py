"""`preprocess.normalise: tweets`: what a tweet carries that a general-purpose encoder cannot read,
rewritten into what it can (as BERTweet's and cardiffnlp's models prepare tweets). Part of the
text encoding (mltc.core.text), so every reader of the texts applies it: training, `evaluate`,
`predict`, the server and the ONNX export's runtime.

- a user mention (`@name`) becomes `@user`: the handle is noise to the model;
- a link (`http://...`, `https://...`, `www....`) becomes `http`;
- an emoji becomes its English name between spaces (`😂` -> ` face with tears of joy `, from the
  `emoji` library's names): a WordPiece vocabulary such as MiniLM's reads most emoji as one
  unknown token;
- a hashtag's CamelCase words are split (`#HappyDay` -> `#Happy Day`);
- runs of whitespace become one space.
"""

import re

import emoji

MENTION = re.compile(r"(?<![\w@])@\w+")
LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
HASHTAG = re.compile(r"#\w+")
CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _emoji_name(chars: str, data: dict) -> str:
    return " " + data["en"].strip(":").replace("_", " ") + " "


def normalise_tweet(text: str) -> str:
    """The tweet as `preprocess.normalise: tweets` reads it (the module's docstring)."""
    text = LINK.sub("http", text)
    text = MENTION.sub("@user", text)
    text = HASHTAG.sub(lambda tag: CAMEL_CASE.sub(" ", tag.group()), text)
    text = emoji.replace_emoji(text, replace=_emoji_name)
    return " ".join(text.split())
