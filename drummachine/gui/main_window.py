"""The main window: it draws the studio and hands it every click. Every decision (what a button does,
what the player hears, what is saved) is the `Studio`'s (drummachine/studio/studio.py), tested without a
window; here are only widgets, their layout and the bridge from the studio's threads to Qt's."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QMimeData, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QDrag
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QLabel, QLayout, QMainWindow, QPushButton,
    QSizePolicy, QSlider, QSpinBox, QTabBar, QTabWidget, QVBoxLayout, QWidget,
)

from drummachine import limits
from drummachine.audio.sound_control import SoundControl
from drummachine.gui import theme
from drummachine.gui.candidates import CandidateStrip
from drummachine.gui.grid import BarStrip, StepGrid
from drummachine.gui.pad_widget import PadWidget
from drummachine.gui.sound_panel import SoundPanel
from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import NUM_CLASSES
from drummachine.live.player import Player
from drummachine.midi import note_maps
from drummachine.midi.ports import VIRTUAL_PORT
from drummachine.model.engine import Engine
from drummachine.model.fills import FILL_EVERY
from drummachine.studio.session import BAR_CHOICES, Session
from drummachine.studio.studio import Playhead, Studio

VIRTUAL_LABEL = f"{VIRTUAL_PORT} (virtual port)"


class Bridge(QObject):
    """Carries callables from the studio's worker and the player's threads onto the GUI thread."""

    call = Signal(object)


class DragClip(QLabel):
    """Drag this into a DAW or a file manager: the pattern goes as a temporary .mid file."""

    def __init__(self, make_clip: Callable[[], Path]):
        super().__init__("⇲ Drag clip")
        self.setObjectName("drag")
        self.make_clip = make_clip
        self.setToolTip("Drag the pattern (or the whole morph) out as a MIDI clip")
        self._press = None

    def mousePressEvent(self, e) -> None:
        self._press = e.position()

    def mouseMoveEvent(self, e) -> None:
        if self._press is None or (e.position() - self._press).manhattanLength() < 6:
            return
        self._press = None
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(self.make_clip()))])
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.exec(Qt.DropAction.CopyAction)


TEMPERATURE_TIP = ("temperature: how freely each step is drawn. 1 (the bundled model's default, tuned with it) plays "
                   "the hits as the model learned them, rare toms and crashes included; 0 plays only the likeliest "
                   "hits for the code "
                   "drawn; above 1 is wilder. Generate draws a new code each press: turn 'fixed seed' on to hear "
                   "the same groove again")


def row(*items) -> QHBoxLayout:
    """A row of widgets (or layouts) left to right; None is a stretch."""
    out = QHBoxLayout()
    for item in items:
        if item is None:
            out.addStretch(1)
        elif isinstance(item, QLayout):
            out.addLayout(item)
        else:
            out.addWidget(item)
    return out


class RefreshingCombo(QComboBox):
    """A list of ports that asks for its items again each time it opens (ports come and go), at least `chars`
    wide however long a port's name, and tells `chosen` the index the musician picked."""

    def __init__(self, refill: Callable[[], None], chosen: Callable[[int], None], chars: int, tip: str):
        super().__init__()
        self._refill = refill
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(chars)
        self.setToolTip(tip)
        self.activated.connect(chosen)

    def showPopup(self) -> None:
        self._refill()
        super().showPopup()


def morph_words(t: float) -> str:
    """The morph slider's label for a groove at t between A and B."""
    return "A" if t == 0 else "B" if t == 1 else f"{t:.0%} of the way from A to B"


class MainWindow(QMainWindow):
    def __init__(self, engine: Optional[Engine], session: Optional[Session] = None, config: Optional[Path] = None,
                 api: Optional[str] = "auto", engine_error: str = ""):
        super().__init__()
        self.bridge = Bridge()
        self.bridge.call.connect(lambda f: f())
        self._playhead: Optional[Playhead] = None  # where playback was last told to be
        self._played_bar = 0  # the player's count of bars at that step
        self.studio = Studio(engine, session, config, api, post=self.bridge.call.emit, on_change=self._changed,
                             on_status=self._show_status, on_step=self._on_step)
        self.sound = SoundControl(self.studio.say)  # the built-in kit: both outputs for a newcomer
        self.studio.attach_sound(self.sound)  # as the session left it
        self._autosave = QTimer(self, singleShot=True, interval=400, timeout=self.save_session)
        self.setWindowTitle("drummachine")
        self.setPalette(theme.palette())
        self.setStyleSheet(theme.style_sheet())
        self._build()
        self._shortcuts()
        if self.studio.api is not None:
            self.studio.ensure_player()  # the virtual port is there for the DAW as soon as the window is
        self.refresh()
        self.studio.say(engine_error)

    # --- what tests and the app read -------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        return self.studio.session

    @property
    def engine(self) -> Optional[Engine]:
        return self.studio.engine

    @property
    def player(self) -> Optional[Player]:
        return self.studio.player

    @property
    def pending(self) -> int:
        return self.studio.pending

    @property
    def config(self) -> Optional[Path]:
        return self.studio.config

    # --- construction ----------------------------------------------------------------------------------
    def _build(self) -> None:
        """Two rows of controls, the candidates, the bars and the grid, three panels in tabs (morph, feel and
        knobs, MIDI and sound) and the transport: the whole instrument fits 960x640, half a 1920 screen."""
        s = self.studio.session.settings
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.setSpacing(6)

        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("primary")
        self.generate_button.setToolTip("A new groove from the model (G); locked instruments keep their hits")
        self.generate_button.clicked.connect(self.generate)
        self.variations_button = QPushButton("Variation")
        self.variations_button.setToolTip("a groove near this one (V)")
        self.variations_button.clicked.connect(self.variation)
        self.candidates_button = QPushButton("Candidates")
        self.candidates_button.setToolTip("several new grooves side by side (C): click one to hear it, double-click to keep")
        self.candidates_button.clicked.connect(self.generate_candidates)
        self.candidate_count = QSpinBox(minimum=limits.CANDIDATES.low, maximum=limits.CANDIDATES.high,
                                        value=limits.CANDIDATES.default)
        self.candidate_count.setToolTip("how many candidates one press makes")
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self.redo)
        layout.addLayout(row(self.generate_button, self.variations_button, self.candidates_button,
                             self.candidate_count, None, self.undo_button, self.redo_button))

        self.temperature = self._dspin(limits.TEMPERATURE, 0.05, s.temperature, TEMPERATURE_TIP)
        self.temperature.valueChanged.connect(self._settings_changed)
        self.seed = QSpinBox(minimum=limits.SEED.low, maximum=limits.SEED.high, value=self.studio.session.take.seed or 0)
        self.seed.setToolTip("the seed of the groove shown; Generate uses this seed when 'fixed seed' is on")
        self.fixed_seed = QCheckBox("fixed seed")
        self.fixed_seed.setToolTip("Generate draws the same code (the seed's) each time: the same groove again")
        self.bars = QComboBox()
        self.bars.addItems([str(b) for b in BAR_CHOICES])
        self.bars.setCurrentText(str(s.bars))
        self.bars.currentTextChanged.connect(self._bars_changed)
        self.amount = self._dspin(limits.VARIATION_AMOUNT, 0.05, s.variation_amount, "how far a variation may wander")
        self.amount.valueChanged.connect(self._settings_changed)
        layout.addLayout(row(self._label("temperature"), self.temperature, self._label("seed"), self.seed,
                             self.fixed_seed, self._label("bars"), self.bars, self._label("variation amount"),
                             self.amount, None))

        self.candidate_strip = CandidateStrip()
        self.candidate_strip.setFixedHeight(40)
        self.candidate_strip.auditioned.connect(self.studio.audition)
        self.candidate_strip.kept.connect(self.studio.keep)
        layout.addWidget(self.candidate_strip)

        self.strip = BarStrip()
        self.strip.bar_chosen.connect(self._show_bar)
        self.follow = QCheckBox("follow")
        self.follow.setChecked(s.follow)
        self.follow.setToolTip("while playing, the grid shows the bar that sounds (the live morph and the pad too); the bar "
                               "playing is framed green in the bars either way")
        self.follow.toggled.connect(self.studio.set_follow)
        bars_row = row(self.strip, self.follow)
        bars_row.setStretch(0, 1)
        layout.addLayout(bars_row)
        self.grid = StepGrid()
        self.grid.cells_painted.connect(self._painted)
        self.grid.flag_toggled.connect(self._flag)
        self.grid.velocity_changed.connect(self.studio.set_velocity)
        layout.addWidget(self.grid, 1)

        self.panels = QTabWidget()
        self.panels.setDocumentMode(False)
        self.panels.addTab(self._morph_panel(), "Morph")
        self.panels.addTab(self._knob_panel(), "Feel and knobs")
        self.panels.addTab(self._output_panel(), "MIDI and sound")
        self.pad_widget = PadWidget(self.studio.pad)
        self.panels.addTab(self.pad_widget, "Pad")
        self.panels.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.panels)

        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("play / stop (space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.tap_button = QPushButton("Tap")
        self.tap_button.setToolTip("tap tempo (T): tap the beat, the tempo follows from the second tap")
        self.tap_button.clicked.connect(self.tap)
        self.bpm = self._dspin(limits.BPM, 1, s.bpm, "tempo, BPM")
        self.bpm.setDecimals(1)
        self.bpm.valueChanged.connect(self._transport_changed)
        self.swing = self._dspin(limits.SWING, 1, s.swing, "swing, % (50 straight, 66 triplet)")
        self.swing.setDecimals(0)
        self.swing.valueChanged.connect(self._transport_changed)
        self.sync = RefreshingCombo(self._fill_sync, self._sync_chosen, 14,
                                    "clock: our own; a DAW's MIDI clock (it starts, stops and sets the tempo); or "
                                    "Ableton Link (tempo, bar line and start/stop shared with the apps on the network)")
        self._fill_sync()
        self._clock_poll = QTimer(self, interval=250, timeout=self._clock_tick)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("write the clip as it sounds to a MIDI file (Ctrl+E)")
        self.export_button.clicked.connect(self.export_dialog)
        self.drag = DragClip(self.make_temp_clip)
        layout.addLayout(row(self.play_button, self.tap_button, self._label("BPM"), self.bpm, self._label("swing"),
                             self.swing, self._label("clock"), self.sync, None, self.export_button, self.drag))
        self.setCentralWidget(root)
        # space is play/stop everywhere, as in a DAW: buttons never take the focus (and the space) from it
        for kind in (QPushButton, QCheckBox, QSlider, QComboBox, QTabBar):
            for w in root.findChildren(kind):
                w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for kind in (QSpinBox, QDoubleSpinBox):  # a number box has the keys only while it is being typed into
            for w in root.findChildren(kind):
                w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
                w.editingFinished.connect(self.grid.setFocus)
                w.setMinimumHeight(w.minimumSizeHint().height())  # a short box's hint comes before its style's
        self.panels.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.grid.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.grid.setFocus()  # Space and G work from launch
        self.resize(1280, 800)

    def _morph_panel(self) -> QWidget:
        """Slots A and B, the slider between them, and the live morph."""
        panel = QWidget()
        m = QHBoxLayout(panel)
        m.setContentsMargins(8, 6, 8, 6)
        self.slot_labels = {}
        columns = {}
        for name in ("A", "B"):
            col = QVBoxLayout()
            label = QLabel(f"{name}: empty")
            label.setObjectName("slot")
            self.slot_labels[name] = label
            buttons = []
            for text, how, tip in (("← current", "current", "the groove shown"),
                                   ("← sample", "sample", "a new groove from the model"),
                                   ("← file…", "file", "a groove from a MIDI file")):
                b = QPushButton(text)
                b.setToolTip(f"slot {name} from {tip}")
                b.clicked.connect(lambda _=False, n=name, h=how: self.fill_slot(n, h))
                buttons.append(b)
            col.addWidget(label)
            col.addLayout(row(*buttons))
            columns[name] = col
        middle = QVBoxLayout()
        self.morph_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
        self.morph_slider.setValue(round(self.studio.session.morph_position * 100))
        self.morph_slider.setToolTip("the groove between A and B: cells turn from A to B in the model's order")
        self.morph_slider.valueChanged.connect(self._morph_moved)
        self.morph_label = QLabel("A", alignment=Qt.AlignmentFlag.AlignCenter)
        self.morph_label.setObjectName("dim")
        self.morph_over = QCheckBox("morph while playing, over")
        self.morph_over.setToolTip("play the morph live: A to B and back, a step of it per bar")
        self.morph_over.toggled.connect(self._morph_live_toggled)
        self.morph_bars = QSpinBox(minimum=limits.MORPH_BARS.low, maximum=limits.MORPH_BARS.high,
                                   value=self.studio.session.settings.morph_bars)
        self.morph_bars.valueChanged.connect(self._settings_changed)
        middle.addWidget(self.morph_slider)
        middle.addWidget(self.morph_label)
        middle.addLayout(row(None, self.morph_over, self.morph_bars, self._label("bars"), None))
        m.addLayout(columns["A"])
        m.addLayout(middle, 1)
        m.addLayout(columns["B"])
        return panel

    def _knob_panel(self) -> QWidget:
        """The learned feel (amount, seed) and a slider per knob of the model (-2..2): turning one moves the
        groove along its attribute."""
        panel = QWidget()
        v = QVBoxLayout(panel)
        v.setContentsMargins(8, 6, 8, 6)
        self.feel = self._dspin(limits.FEEL, 0.1, self.session.settings.feel_amount,
                                "feel: velocity and timing learned from drummers (0 as written, 1 as they play)")
        self.feel.valueChanged.connect(self._feel_changed)
        self.feel_seed = QSpinBox(minimum=limits.SEED.low, maximum=limits.SEED.high, value=self.session.settings.feel_seed)
        self.feel_seed.setToolTip("which drummer's touch: another seed, another feel")
        self.feel_seed.valueChanged.connect(self._feel_changed)
        self.fill_every = QComboBox()
        for every in (0, *FILL_EVERY):
            self.fill_every.addItem(f"{every} bars" if every else "off", every)
        self.fill_every.setCurrentIndex(self.fill_every.findData(self.session.settings.fill_every))
        self.fill_every.activated.connect(self._fill_every_chosen)
        v.addLayout(row(self._label("feel"), self.feel, self._label("feel seed"), self.feel_seed, None,
                        self._label("fill every"), self.fill_every))
        knobs = QHBoxLayout()
        self.knobs: dict[str, QSlider] = {}
        for name in self.studio.knob_names:
            slider = QSlider(Qt.Orientation.Horizontal, minimum=-20, maximum=20)
            slider.setValue(round(10 * self.session.settings.knobs.get(name, 0.0)))
            slider.setToolTip(f"{name}: less (left) or more (right) than the groove has; Generate keeps it")
            slider.setMinimumWidth(40)
            slider.valueChanged.connect(lambda _=0, n=name: self._knob_moved(n))
            slider.sliderReleased.connect(lambda n=name: self._knob_moved(n))
            self.knobs[name] = slider
            knobs.addWidget(self._label(name))
            knobs.addWidget(slider, 1)
        if not self.knobs:
            knobs.addWidget(self._label("this model has no knobs (python -m export.knobs makes them)"))
        v.addLayout(knobs)
        return panel

    def _output_panel(self) -> QWidget:
        """Where the notes go: the MIDI port, channel and note map; the built-in sound."""
        panel = QWidget()
        v = QVBoxLayout(panel)
        v.setContentsMargins(8, 6, 8, 6)
        s = self.session.settings
        self.port = RefreshingCombo(self._fill_ports, self._port_changed, 24,
                                    "the MIDI port the notes go to: our own virtual port (a DAW records from it) or "
                                    "an existing one (a DAW's input, a synth)")
        self._fill_ports()
        self.channel = QSpinBox(minimum=limits.CHANNEL.low, maximum=limits.CHANNEL.high, value=s.channel)
        self.channel.setToolTip("MIDI channel (drums are on 10 by convention)")
        self.channel.valueChanged.connect(self._transport_changed)
        self.note_map = QComboBox()
        self.note_map.addItems(list(note_maps.all_maps(self.config)))
        self.note_map.setCurrentText(s.note_map)
        self.note_map.setToolTip("which note each instrument plays (your drum rack's layout)")
        self.note_map.currentTextChanged.connect(self._transport_changed)
        v.addLayout(row(self._label("MIDI port"), self.port, self._label("ch"), self.channel, self._label("map"),
                        self.note_map, None))
        self.sound_panel = SoundPanel(self.sound, self.clip_patterns, self.studio.player_settings, self.studio.say)
        v.addWidget(self.sound_panel)
        return panel

    def _fill_every_chosen(self, index: int) -> None:
        self.studio.set_fill_every(self.fill_every.itemData(index))
        self._show_fills()  # what the studio now holds (unchanged when it said no)

    def _show_fills(self) -> None:
        """The fill control as the studio is: its setting, or off and greyed with the reason for a model without."""
        why = self.studio.no_fills()
        self.fill_every.setEnabled(not why)
        self.fill_every.setToolTip(why or "a fill in the last bar of every N (Generate and candidates make them; "
                                          "the groove shown gets them from its own code, undoable)")
        self._set_quietly(self.fill_every, self.fill_every.itemText(self.fill_every.findData(self.studio.fill_every)))

    def _knob_moved(self, name: str) -> None:
        slider = self.knobs[name]
        if not slider.isSliderDown():  # one new groove when the knob is let go, not one per pixel
            self.studio.set_knob(name, slider.value() / 10)

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("dim")
        return label

    def _dspin(self, of: limits.Range, step: float, value: float, tip: str) -> QDoubleSpinBox:
        """A number box bounded by the limits table, as the command line and the session file are."""
        box = QDoubleSpinBox(minimum=of.low, maximum=of.high, singleStep=step, value=value)
        box.setToolTip(tip)
        return box

    def _shortcuts(self) -> None:
        for keys, slot in ((Qt.Key.Key_Space, self.toggle_play), (QKeySequence.StandardKey.Undo, self.undo),
                           (QKeySequence.StandardKey.Redo, self.redo), ("G", self.generate), ("V", self.variation),
                           ("C", self.generate_candidates), ("T", self.tap),
                           ("Ctrl+E", self.export_dialog)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, f=slot: f())
            self.addAction(action)

    def keyPressEvent(self, event) -> None:
        """Space reaches here only when no shortcut took it (a window the system has not activated)."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- showing ---------------------------------------------------------------------------------------------
    def _changed(self) -> None:
        """The studio's session changed: draw it, and save it soon."""
        self.refresh()
        self._autosave.start()

    def refresh(self) -> None:
        """Draw the session as it is now (drawing changes nothing: the studio decides what sounds)."""
        s = self.session
        p = self.studio.performed()  # what sounds: the pattern with its feel
        self._show_grid()
        feel_on = [c for c in range(NUM_CLASSES) if c not in s.settings.feel_off] if self.studio.has_feel else []
        self.grid.set_flags(s.settings.locked, s.settings.muted, s.settings.soloed, feel_on)
        self.strip.set_state(p.bars, s.view_bar, [int(n) for n in p.hits.sum(axis=(1, 2))], self.studio.fill_bars())
        self._set_quietly(self.bars, str(p.bars))
        if s.take.seed is not None:
            self._set_quietly(self.seed, s.take.seed)
        for name, slot in (("A", s.slot_a), ("B", s.slot_b)):
            self.slot_labels[name].setText(f"{name}: " + (f"{slot.pattern.bars} bars, {int(slot.pattern.hits.sum())} hits"
                                                          if slot else "empty"))
        self._set_quietly(self.morph_over, self.studio.morph_live)
        self._set_quietly(self.follow, s.settings.follow)
        self._show_morph()
        self.candidate_strip.set_candidates([t.pattern.hits for t in self.studio.candidates], self.studio.auditioning)
        for name, slider in self.knobs.items():
            self._set_quietly(slider, round(10 * s.settings.knobs.get(name, 0.0)))
        self.undo_button.setEnabled(bool(s.undo_stack))
        self.redo_button.setEnabled(bool(s.redo_stack))
        for w in (self.generate_button, self.variations_button):
            w.setEnabled(self.engine is not None)
        for w in (self.feel, self.feel_seed):
            w.setEnabled(self.studio.has_feel)
        self.pad_widget.refresh()
        self._show_fills()
        self._show_status()

    @staticmethod
    def _set_quietly(widget, value) -> None:
        """Show a value the studio holds without the widget reporting it back as a change."""
        current = (widget.currentText() if isinstance(widget, QComboBox) else widget.isChecked()
                   if isinstance(widget, QCheckBox) else widget.value())
        if current == value:
            return
        widget.blockSignals(True)
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(value)
        else:
            widget.setValue(value)
        widget.blockSignals(False)

    def _show_status(self) -> None:
        self.statusBar().showMessage(self.studio.status_line())

    def _status(self, message: str = "") -> None:
        self.studio.say(message)

    # --- editing -----------------------------------------------------------------------------------------------
    def _painted(self, cells: list, on: bool) -> None:
        if len(cells) == 1:
            self.studio.toggle(*cells[0])
        else:
            self.studio.paint(cells, on)

    def _flag(self, flag: str, cls: int) -> None:
        if flag == "feel":
            self.studio.set_feel_class(cls, cls in self.session.settings.feel_off)
        else:
            self.studio.flip(flag, cls)

    def _show_bar(self, bar: int) -> None:
        self.studio.show_bar(bar)

    def _bars_changed(self, text: str) -> None:
        self.studio.set_bars(int(text))

    def undo(self) -> None:
        self.studio.undo()

    def redo(self) -> None:
        self.studio.redo()

    # --- generation ------------------------------------------------------------------------------------------
    def generate(self) -> bool:
        return self.studio.generate(self.seed.value() if self.fixed_seed.isChecked() else None)

    def generate_candidates(self) -> bool:
        return self.studio.generate_candidates(self.candidate_count.value())

    def variation(self) -> bool:
        return self.studio.variation()

    # --- morph ------------------------------------------------------------------------------------------------
    def fill_slot(self, name: str, how: str, path: Optional[Path] = None) -> bool:
        if how == "file" and path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, f"Groove for slot {name}", "", "MIDI (*.mid *.midi)")
            if not chosen:
                return False
            path = Path(chosen)
        return self.studio.fill_slot(name, how, path)

    def _morph_moved(self, value: int) -> bool:
        return self.set_morph(value / 100)

    def set_morph(self, t: float) -> bool:
        """Show the groove at t between A and B; the ends are A and B themselves."""
        self.morph_label.setText(morph_words(t))
        return self.studio.set_morph(t)

    def _morph_live_toggled(self, on: bool) -> None:
        if not self.studio.set_morph_live(on):
            self._set_quietly(self.morph_over, False)

    # --- transport --------------------------------------------------------------------------------------------
    def ensure_player(self) -> Player:
        return self.studio.ensure_player()

    def toggle_play(self) -> None:
        self.studio.toggle_play()
        self._show_transport()

    def _show_transport(self) -> None:
        """The play button as the studio is: playing, armed for a DAW's Start, or stopped (playhead gone)."""
        playing, armed = self.studio.playing, self.studio.armed and self.studio.sync == "midi"
        self.play_button.setChecked(playing or armed)
        self.play_button.setText("■ Stop" if playing else "◌ Armed" if armed else "▶ Play")
        self.bpm.setEnabled(self.studio.sync != "midi")
        self.tap_button.setEnabled(self.studio.sync != "midi")
        if not playing and self._playhead is not None:
            self._playhead = None
            self.grid.set_playhead(-1)
            self.strip.set_playing(-1)
            self.refresh()

    def _on_step(self, bar: int, step: int) -> None:
        if not self.studio.playing:
            return
        before = self._playhead
        now = self._playhead = self.studio.step_sounded(bar, step)
        self._played_bar = bar
        self.strip.set_playing(now.bar, now.step)
        if before is None or (before.bar, before.shown) != (now.bar, now.shown):
            self.strip.set_state(self.strip.bars, now.shown, self.strip.hit_counts, self.strip.fills)
            self._show_grid()
            self._show_morph()
        self.grid.set_playhead(now.grid_step)

    def _show_grid(self) -> None:
        """The bar shown: of the live morph as it sounds while it plays and the grid follows, else of the groove
        (with its feel). The caption says which."""
        s, head = self.session, self._playhead
        if head is not None and (head.morph is not None or head.pad) and s.settings.follow and self.studio.playing:
            if head.pad:
                bar, caption = self.studio.pad.bar(self._played_bar), head.pad
            else:
                bar, caption = self.studio.morph_bar(self._played_bar), f"morph {head.morph.bar}/{head.morph.over}"
            self.grid.show_bar(bar.velocities[0], head.step, None if bar.offsets is None else bar.offsets[0],
                               caption=caption)
            self.grid.read_only = True
            return
        p = self.studio.performed()
        self.grid.read_only = False
        self.grid.show_bar(p.velocities[s.view_bar], self.grid.playhead,
                           None if p.offsets is None else p.offsets[s.view_bar], caption=f"bar {s.view_bar + 1}")

    def _show_morph(self) -> None:
        """The slider's label says where the groove shown is on the morph (or that it is off it); while the live
        morph plays, the slider and the label follow the morph."""
        head = self._playhead
        if head is not None and head.morph is not None and self.studio.playing:
            self._set_quietly(self.morph_slider, round(head.morph.position * 100))
            self.morph_label.setText(head.morph.describe())
            return
        t = self.studio.morph_state()
        self.morph_label.setText(morph_words(t) if t is not None else
                                 "the groove shown is not on the morph" if self.studio.morph_ready() else "A")

    def _transport_changed(self, *_) -> None:
        self.studio.set_transport(bpm=self.bpm.value(), swing=self.swing.value(), channel=self.channel.value(),
                                  note_map=self.note_map.currentText())

    def _feel_changed(self, *_) -> None:
        self.studio.set_feel(amount=self.feel.value(), seed=self.feel_seed.value())

    def _settings_changed(self, *_) -> None:
        self.studio.set_temperature(self.temperature.value())
        self.studio.set_variation_amount(self.amount.value())
        self.studio.set_morph_bars(self.morph_bars.value())

    def _fill_sync(self) -> None:
        """Our own clock, Ableton Link, and a "MIDI clock from ..." for each port a DAW's clock can come from."""
        self.sync.blockSignals(True)
        self.sync.clear()
        self.sync.addItem("own clock", ("internal", None))
        self.sync.addItem("Ableton Link", ("link", None))
        for port in self.studio.clock_inputs():
            self.sync.addItem(f"MIDI clock from {port}", ("midi", port))
        self._show_sync()
        self.sync.blockSignals(False)

    def _show_sync(self) -> None:
        st = self.session.settings
        want = (self.studio.sync, st.clock_input if self.studio.sync == "midi" else None)
        for i in range(self.sync.count()):
            if tuple(self.sync.itemData(i)) == want:
                self.sync.setCurrentIndex(i)

    def _sync_chosen(self, index: int) -> None:
        sync, port = self.sync.itemData(index)
        if self.studio.set_sync(sync, port):
            (self._clock_poll.stop if sync == "internal" else self._clock_poll.start)()
        self.sync.blockSignals(True)
        self._show_sync()  # what the studio now uses (unchanged when it said no)
        self.sync.blockSignals(False)
        self._show_transport()

    def _clock_tick(self) -> None:
        """Show the shared or followed tempo (a peer or the DAW may have changed it), and whether the DAW plays."""
        if self.studio.shared_clock() is not None:
            self._set_quietly(self.bpm, self.session.settings.bpm)
        self._show_transport()
        self._show_status()

    def tap(self) -> None:
        if self.studio.tap() is not None:
            self._set_quietly(self.bpm, self.session.settings.bpm)

    def _fill_ports(self) -> None:
        self.port.clear()
        self.port.addItem(VIRTUAL_LABEL)
        self.port.addItems(self.studio.ports())
        if self.session.settings.port:
            self.port.setCurrentText(self.session.settings.port)

    def _port_changed(self, _index: int) -> None:
        choice = self.port.currentText()
        self.studio.set_port("" if choice == VIRTUAL_LABEL else choice)
        self._show_transport()

    # --- clips ------------------------------------------------------------------------------------------------
    def clip_patterns(self) -> list[Pattern]:
        return self.studio.clip_patterns()

    def export(self, path: Path) -> bool:
        return self.studio.export(path)

    def export_dialog(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export MIDI clip", "groove.mid", "MIDI (*.mid)")
        if chosen:
            self.export(Path(chosen))

    def make_temp_clip(self) -> Path:
        return self.studio.temp_clip()

    # --- lifetime ---------------------------------------------------------------------------------------------
    def save_session(self) -> None:
        self.studio.save()

    def closeEvent(self, event) -> None:
        self.studio.close()
        super().closeEvent(event)
