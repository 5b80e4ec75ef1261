"""Questions from review and the officer's answer (views/queries.py)."""

DE = {
    "queries_title": "Rückfragen ({n})",
    "query_from": "{who}, {at}",
    "answer": "Antworten",
    "answer_title": "Rückfrage beantworten",
    "your_answer": "Ihre Antwort",
    "send_answer": "Antwort speichern und senden",
    "answer_empty": "Bitte eine Antwort eingeben.",
    "answer_saved": "Antwort gespeichert. Sie wird mit dem nächsten Senden übertragen.",
}

EN = {
    "queries_title": "Questions from review ({n})",
    "query_from": "{who}, {at}",
    "answer": "Answer",
    "answer_title": "Answer a question",
    "your_answer": "Your answer",
    "send_answer": "Save and send answer",
    "answer_empty": "Please enter an answer.",
    "answer_saved": "Answer saved. It goes out with the next sync.",
}
