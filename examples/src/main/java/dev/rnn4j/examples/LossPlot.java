package dev.rnn4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The loss curve (training per step, validation where measured) as a PNG, drawn headless with XChart. */
final class LossPlot {
    private LossPlot() {
    }

    static void write(Path png, double[] train, List<double[]> validation) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(500).title("loss").xAxisTitle("step")
                .yAxisTitle("loss").build();
        double[] x = new double[train.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        chart.addSeries("train", x, train).setMarker(SeriesMarkers.NONE);
        if (!validation.isEmpty()) {
            double[] vx = validation.stream().mapToDouble(v -> v[0]).toArray();
            double[] vy = validation.stream().mapToDouble(v -> v[1]).toArray();
            chart.addSeries("validation", vx, vy);
        }
        try {
            Path dir = png.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            String name = png.getFileName().toString();
            String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
            BitmapEncoder.saveBitmap(chart, dir.resolve(base).toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
