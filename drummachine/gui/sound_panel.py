"""The window's sound controls: MIDI port, built-in sound or both; the sound device; the master volume;
and "Export audio...". A thin shell over `SoundControl`, which makes every decision."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from drummachine.audio.sound_control import CHOICES, SoundControl
from drummachine.audio.wav import WavWriteError
from drummachine.groove.pattern import Pattern
from drummachine.live.player import PlayerSettings

DEFAULT_DEVICE = "System default"


class SoundPanel(QWidget):
    def __init__(self, control: SoundControl, patterns: Callable[[], Sequence[Pattern]],
                 settings: Callable[[], PlayerSettings], status: Callable[[str], None]):
        super().__init__()
        self.control, self.patterns, self.settings, self.status = control, patterns, settings, status
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.output = QComboBox()
        self.output.addItems(list(CHOICES))
        self.output.setCurrentText(next(k for k, v in CHOICES.items() if v == control.output))
        self.output.setToolTip("where the notes go: the MIDI port (your DAW), the built-in drum kit, or both")
        self.output.currentTextChanged.connect(lambda text: control.set_output(CHOICES[text]))
        self.device = QComboBox()
        self.device.setToolTip("the sound device the built-in kit plays on")
        self.fill_devices()
        self.device.activated.connect(self._device_chosen)
        self.volume = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=control.volume)
        self.volume.setToolTip("the built-in kit's master volume")
        self.volume.setFixedWidth(90)
        self.volume.valueChanged.connect(control.set_volume)
        self.export_button = QPushButton("Export audio…")
        self.export_button.setToolTip("render the pattern (or the whole morph) with the built-in kit to a WAV file")
        self.export_button.clicked.connect(self.export_dialog)
        self.device.setMinimumWidth(220)
        for w in (QLabel("sound"), self.output, self.device, QLabel("volume"), self.volume):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.export_button)

    def fill_devices(self) -> None:
        self.device.clear()
        self.device.addItem(DEFAULT_DEVICE)
        self.device.addItems(self.control.devices())
        if self.control.device:
            self.device.setCurrentText(self.control.device)

    def _device_chosen(self, _index: int) -> None:
        text = self.device.currentText()
        self.control.set_device(None if text == DEFAULT_DEVICE else text)

    def export(self, path: Path) -> bool:
        try:
            self.control.export(path, self.patterns(), self.settings())
        except WavWriteError as exc:
            self.status(str(exc))
            return False
        self.status(f"exported {path}")
        return True

    def export_dialog(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export audio", "groove.wav", "WAV audio (*.wav)")
        if chosen:
            self.export(Path(chosen))
