"""What Tactful says where the client can see it: to someone outside the agency who pressed
its buttons or typed its command, and to the team about a channel shared with an outside
organisation. The app's own English chrome, like ui/replies.py."""

from __future__ import annotations

# To someone who is not of the agency's workspace (or its Enterprise org). Polite, and says
# nothing about the agency's clients.
NOT_THE_AGENCY = (
    "Sorry, only the team that set up Tactful can use it; nothing was changed. If you think "
    "you should have access, ask them to add you to their Slack workspace."
)
