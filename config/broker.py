"""The zero-server broker of `make run`: kombu's filesystem transport, made safe for several
processes writing and reading at once.

kombu writes a message straight into the queue's folder, so a reader listing the folder
can take a file its writer has not finished, and the worker then dies on a half-written
message (and honcho stops the whole platform). Here a message is written under a name no
reader picks up and renamed into place when complete (a rename is atomic), and a reader
that still meets a message it cannot decode logs it, sets it aside and carries on."""

import logging
import os
import uuid
from queue import Empty
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        # Readers take only names ending ".<queue>.msg": this one they leave alone.
        partial = os.path.join(self.data_folder_out, f"_partial-{uuid.uuid4()}.tmp")
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.rename(partial, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add a message to {queue!r}") from exc

    def _get(self, queue):
        for _ in range(100):
            try:
                return super()._get(queue)
            except ValueError as exc:  # not JSON: set aside, and take the next message
                logger.error("A message of queue %r could not be read and was set aside: "
                             "%s", queue, exc)
                self._set_aside(queue, exc)
        raise Empty()

    def _set_aside(self, queue, exc) -> None:
        folder = os.path.join(os.path.dirname(self.data_folder_in.rstrip("/")), "unreadable")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{uuid.uuid4()}.{queue}.txt"), "w") as note:
            note.write(f"{exc}\n")


class Transport(filesystem.Transport):
    Channel = Channel



# The broker URL `mutualfs://` names this transport (config/settings/base.py); the Celery
# app imports this module, so every process knows it.
TRANSPORT_ALIASES.setdefault("mutualfs", "config.broker:Transport")
